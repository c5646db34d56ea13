"""Qt-free core: procedure catalogue, validation, the applicant's session."""
