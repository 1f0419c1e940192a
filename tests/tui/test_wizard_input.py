"""Bad answers typed into the setup wizard are explained next to the field, as they are typed; a good answer
clears the explanation. The validators behind them never raise, whatever is typed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import Input, Static

from drconsole.app import wizardform as form
from drconsole.tui.app import wizard_app
from drconsole.tui.screens.wizard import WizardScreen

# field -> (a bad answer, words its explanation must hold, a good answer)
ANSWERS = {
    "region": ("cn hangzhou!", "", "cn-hangzhou"),
    "vpc_cidrs": ("192.168.0.0/33", "192.168.0.0/33", "192.168.0.0/16"),
    "idc_cidrs": ("10.10.0.0/16, ten", "'ten'", "10.10.0.0/16"),
    "resolvers": ("10.200.0.300", "10.200.0.300", "10.200.0.4"),
    "idc_asn": ("65001x", "", "65001"),
    "vbr_peer_ip": ("10.0.0.256", "", "10.0.0.1"),
    "endpoint": ("localhost", "host:port", "127.0.0.1:18400"),
}


def explanation(wizard: WizardScreen, field_id: str) -> str:
    return str(wizard.query_one(f"#{field_id}-error", Static).render())


async def test_bad_answers_are_explained_in_place_and_cleared_when_corrected() -> None:
    app = wizard_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        wizard = app.screen
        assert isinstance(wizard, WizardScreen)
        wizard.query_one("#idc_peer_ip", Input).value = "10.0.0.2"
        for field_id, (bad, words, _good) in ANSWERS.items():
            wizard.query_one(f"#{field_id}", Input).value = bad
            await pilot.pause()
            said = explanation(wizard, field_id)
            assert said.strip() and words in said, (field_id, bad, said)
        for field_id, (_bad, _words, good) in ANSWERS.items():
            wizard.query_one(f"#{field_id}", Input).value = good
            await pilot.pause()
            assert not explanation(wizard, field_id).strip(), (field_id, good, explanation(wizard, field_id))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_validators_answer_in_words_whatever_is_typed(text: str) -> None:
    for check in (form.check_name, form.check_region, form.check_endpoint, form.check_cidrs, form.check_addresses,
                  form.check_vbr):
        said = check(text)
        assert said is None or (isinstance(said, str) and said)
    errors = form.check_bgp({"vbr_asn": text, "idc_asn": text, "vbr_peer_ip": text, "idc_peer_ip": text})
    assert all(isinstance(message, str) and message for message in errors.values())
