"""The zoo's version: a leaf module, so that writers of weights and run folders need not
import the package root."""

__version__ = "0.1.0"
