"""The citizen's own data: everything the platform holds about her, to read and print, and her contact details."""
