// TapeLog module: see SPEC §2.
