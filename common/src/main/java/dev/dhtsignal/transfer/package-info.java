/**
 * What two connected peers say over their data channels after the greetings: chat lines with
 * half-close and acknowledgements, and files with flow control and a SHA-256 check. The wire format
 * is described in {@code docs/file-transfer.md}; a browser page that follows it interoperates.
 */
package dev.dhtsignal.transfer;
