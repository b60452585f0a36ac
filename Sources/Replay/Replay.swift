// Replay module: see SPEC §1.
