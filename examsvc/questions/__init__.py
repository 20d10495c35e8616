"""The encrypted question bank: authoring, bundles, envelopes, key rotation. Imports trainees/ and below."""
