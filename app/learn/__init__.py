"""Teaching a small network on a learner's own drawings (issue 24): the network, its training
step by step, deterministic and replayable, and its export as an engine pipeline."""
