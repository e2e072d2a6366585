from siaga.integrations.taxiiclient.tests.partner import partner  # noqa: F401  (fixture)
