package dev.dhtsignal.cli;

import picocli.CommandLine;

/** The version the build stamped into the jar's manifest. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return new String[] {"${COMMAND-NAME} " + (v == null ? "(development build)" : v)};
    }
}
