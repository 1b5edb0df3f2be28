"""zhpolicy: find policy instruments and entities in Chinese government documents."""

__version__ = "0.1.0"


def load(name=None):
    """Load a tagger; see zhpolicy.tagging.load."""
    from zhpolicy.tagging import load as _load

    return _load(name)


__all__ = ["__version__", "load"]
