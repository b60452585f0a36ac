// Rules module: see SPEC §1.
