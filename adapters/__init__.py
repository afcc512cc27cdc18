"""Platform adapters: thin translations between platforms and the core's command router."""
