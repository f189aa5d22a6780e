import java.io.PrintStream;
import java.lang.reflect.Constructor;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Prints picocli's bash completion script for one of the programs, from the program's own jar:
 * {@code java -cp offerer.jar packaging/Completion.java offerer dev.dhtsignal.offerer.OffererCommand}.
 * Run by scripts/package.sh, so the completion always lists the options of the jar being packaged.
 *
 * <p>picocli's own generator ({@code picocli.AutoComplete}) makes the command with a no-argument
 * constructor; ours take the stream they print to, so this makes the command itself and hands it to
 * {@link AutoComplete#bash}.
 */
public final class Completion {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Completion PROGRAM COMMAND-CLASS");
            System.exit(2);
        }
        Object command = newCommand(Class.forName(args[1]));
        System.out.print(AutoComplete.bash(args[0], new CommandLine(command)));
    }

    private static Object newCommand(Class<?> type) throws ReflectiveOperationException {
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            Class<?>[] parameters = constructor.getParameterTypes();
            if (parameters.length == 0 || (parameters.length == 1 && parameters[0] == PrintStream.class)) {
                constructor.setAccessible(true);
                return parameters.length == 0 ? constructor.newInstance() : constructor.newInstance(System.out);
            }
        }
        throw new NoSuchMethodException(type.getName() + " has no constructor taking nothing or a PrintStream");
    }
}
