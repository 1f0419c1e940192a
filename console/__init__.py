"""drconsole: a console for zone-disaster recovery across ACK and ACK One registered clusters."""

__version__ = "0.1.0"
