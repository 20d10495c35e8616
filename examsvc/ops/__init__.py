"""Operations: health, backup and restore, retention, housekeeping. Imports certificates/ and below."""
