"""The network: providers from prospect to member, and the contracts negotiated and held with them."""
