//! Meant to implement a service of no_plugin.proto, which declares none for plugins.
