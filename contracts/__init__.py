"""The wire: versioned inbound contracts, the outbound envelope, subjects and stream names.

Everything a departmental system or a downstream consumer needs to speak to Jejak lives here,
and nothing here knows about the domain or the services.
"""
