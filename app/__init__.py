"""ConvLens: see what a convolutional neural network does, one stage at a time."""

__version__ = "0.1.0"
