"""The application layer: what the console and the CLI share, without Textual."""
