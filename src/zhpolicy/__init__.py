"""zhpolicy: find policy instruments and entities in Chinese government documents."""

__version__ = "0.1.0"
