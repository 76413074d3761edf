"""The guide's wire limits, written once: the embedded appliance enforces them, the checks and the suites
test against them, and the BRCS catalogue names them.

Source: the BeyondTrust RS 21.3 API guide (API 1.21.1), in the sections each constant names.
"""

from __future__ import annotations

# generate_session_key, set_session_attributes, the Session Generation API, the client scripts:
# "Each custom field has a maximum length of 1024 characters." session.custom.external_key: "This has a
# maximum length of 1024 characters." Characters of the decoded value.
CUSTOM_FIELD_MAX = 1024
EXTERNAL_KEY_MAX = 1024  # the 12.1 guide (API 1.7.0) gives external_key the same 1024 characters
# "The maximum total size of all combined custom fields, including the external key, must be limited to
# 10KB." Silent on the unit: read as 10 KiB of UTF-8 in the decoded values (code names not counted).
CUSTOM_TOTAL_MAX_BYTES = 10 * 1024

# Session Generation API (start_session): "maximum of 100 characters" for customer.name, customer.company
# and customer.company_code; customer.details: "maximum of 1024 bytes" (bytes, not characters: the guide
# says the number of characters varies with the character set).
CUSTOMER_FIELD_MAX = 100
CUSTOMER_DETAILS_MAX_BYTES = 1024

# Authenticate to the Remote Support API: "This token expires after one hour" ("expires_in": 3600).
# "Each API account can have a maximum of 30 valid tokens"; one more invalidates the oldest.
TOKEN_LIFETIME_S = 3600
MAX_VALID_TOKENS = 30

# Real-Time State API: "A maximum of thirty connected integrations may receive model updates simultaneously."
MAX_SUBSCRIBERS = 30
# "... with a maximum latency of twenty seconds" from a change to its model update.
MAX_LATENCY_S = 20.0
# "64-bit unsigned integers are used to generate the id value" (the model's row ids).
MAX_ID = (1 << 64) - 1

# get_connected_clients: "A maximum of 100 IDs is supported."
MAX_CLIENT_IDS = 100

# import_jump_shortcut: name and the hostnames "a maximum of 128 characters", tag and comments "a maximum
# of 1024 characters".
JUMP_NAME_MAX = 128
JUMP_TEXT_MAX = 1024
