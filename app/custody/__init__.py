"""The custody domain: models and the services that change custody. No Flask imports here."""
