"""The application: settings wired into a Service, the daemon around it, the command line and
the operator's tools (doctor, explain, status)."""
