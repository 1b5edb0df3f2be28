"""Doccano stage: push corpus sentences to a Doccano project, pull annotations back."""
