"""Binary (accept/reject) answers in training docs: propagation and the fill strategies."""
