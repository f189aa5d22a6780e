package dev.dhtsignal.dht.storage;

/** The contract for the in-memory store. */
class MemoryValueStoreTest extends ValueStoreContract {
    @Override
    protected ValueStore open(StorageLimits limits) {
        return new MemoryValueStore(limits);
    }
}
