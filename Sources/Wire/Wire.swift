// Wire module: see SPEC §1.
