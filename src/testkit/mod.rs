//! Test and benchmark tooling: runs only on loopback.

pub mod fault_proxy;
