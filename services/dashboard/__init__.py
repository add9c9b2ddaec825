"""The dashboard: the pages a bureau's staff read (served at `/`), built only on the services' HTTP APIs."""
