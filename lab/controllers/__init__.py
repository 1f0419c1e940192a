"""Lab controllers: kubelet-lite on the member planes, a small Argo CD, the MseIngressConfig
lifecycle and the Ingress -> gateway renderer, in one supervised process."""

from __future__ import annotations

from drconsole.lab.controllers.part import ControllersPart

PART = ControllersPart()
