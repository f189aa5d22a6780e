package dev.dhtsignal.rtc;

/** Why a peer connection stopped working; see {@link RtcPeer#ended()}. */
public enum ConnectionEnd {
    /** Connectivity was lost after connecting; WebRTC may still recover, most callers give up. */
    DISCONNECTED,
    /** ICE or DTLS failed; the connection will not recover. */
    FAILED,
    /** The peer connection was closed, by {@link RtcPeer#close()} or by its factory. */
    CLOSED
}
