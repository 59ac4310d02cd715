"""A person's rights over their personal data (152-FZ): consents per purpose, the export of all
their data, erasure by pseudonymisation and the retention sweep.

The core knows no feature app: each app registers a PersonalDataPart (registry.py) in its
AppConfig.ready() saying what it holds of a person (for the export) and how to erase it."""
