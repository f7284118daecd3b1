"""The admin API's campaigns: what the owner creates, previews, launches and measures."""
