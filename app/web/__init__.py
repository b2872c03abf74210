"""Blueprints that translate HTTP to domain calls: auth, custody, admin, audit."""
