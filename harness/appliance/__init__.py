"""The embedded reference appliance: a real server that follows the API guide (RS 21.3, API 1.21.1)."""
