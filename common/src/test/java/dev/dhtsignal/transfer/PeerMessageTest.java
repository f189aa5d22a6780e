package dev.dhtsignal.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The JSON forms written in docs/file-transfer.md, both ways. */
class PeerMessageTest {
    @Test
    void messagesAreWrittenAsTheProtocolDocumentShowsThem() {
        assertEquals("{\"type\":\"line\",\"text\":\"hello\"}", PeerMessage.line("hello", false).toJson());
        assertEquals("{\"type\":\"line\",\"text\":\"first\",\"more\":true}", PeerMessage.line("first", true).toJson());
        assertEquals("{\"type\":\"ack\",\"lines\":17}", PeerMessage.ack(17).toJson());
        assertEquals("{\"type\":\"end\",\"lines\":20000}", PeerMessage.end(20000).toJson());
        assertEquals("{\"type\":\"file\",\"id\":1,\"name\":\"report.pdf\",\"size\":1048576}",
                PeerMessage.file(1, "report.pdf", 1048576).toJson());
        assertEquals("{\"type\":\"file-end\",\"id\":1,\"sha256\":\"9f86\"}", PeerMessage.fileEnd(1, "9f86").toJson());
        assertEquals("{\"type\":\"file-refuse\",\"id\":1,\"reason\":\"exists\"}",
                PeerMessage.about(PeerMessage.FILE_REFUSE, 1, "exists").toJson());
    }

    @Test
    void readingToleratesUnknownFieldsAndWrongTypesButNotGarbage() {
        PeerMessage m = PeerMessage.parse("{\"type\":\"file\",\"id\":2,\"name\":7,\"size\":\"big\",\"extra\":[1]}");
        assertEquals("file", m.type());
        assertEquals(2L, m.id());
        assertNull(m.name());
        assertNull(m.size());
        assertEquals("line", PeerMessage.parse(PeerMessage.line("a\"b\\c\n", true).toJson()).type());
        assertEquals("a\"b\\c\n", PeerMessage.parse(PeerMessage.line("a\"b\\c\n", true).toJson()).text());
        for (String bad : new String[] {"", "hello", "[1,2]", "{\"type\":3}", "{\"no\":\"type\"}", "{\"type\":"}) {
            assertThrows(IllegalArgumentException.class, () -> PeerMessage.parse(bad), bad);
        }
    }
}
