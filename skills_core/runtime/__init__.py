"""Runtime: the Agent composing NLU, dialogue manager, session store and model."""
