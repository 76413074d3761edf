"""The Remote Support API described as data: the one place each command, action and parameter is described."""
