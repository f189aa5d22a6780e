import java.io.PrintStream;
import java.lang.reflect.Constructor;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Prints picocli's bash completion script for one of the programs, from the program's own jar, and for a
 * program with {@code --session} the completion of its short codes' words:
 * {@code java -cp offerer.jar packaging/Completion.java offerer dev.dhtsignal.offerer.OffererCommand}.
 * Run by scripts/package.sh, so the completion always lists the options of the jar being packaged.
 *
 * <p>picocli's own generator ({@code picocli.AutoComplete}) makes the command with a no-argument
 * constructor; ours take the stream they print to, so this makes the command itself and hands it to
 * {@link AutoComplete#bash}.
 *
 * <p>Session codes ({@code 7-guitarist-revenge}) cannot be listed, so picocli's function is renamed
 * {@code _complete_PROGRAM_options} and a function of the old name completes a code's words after
 * {@code --session} ({@code 7-gui} Tab gives {@code 7-guitarist-}, then the second word) from the program's
 * own word list, and hands everything else to picocli's. It keeps to what bash and zsh's bashcompinit both
 * read (no regular expressions: zsh has no BASH_REMATCH).
 */
public final class Completion {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Completion PROGRAM COMMAND-CLASS");
            System.exit(2);
        }
        Object command = newCommand(Class.forName(args[1]));
        CommandLine commandLine = new CommandLine(command);
        String script = AutoComplete.bash(args[0], commandLine);
        if (commandLine.getCommandSpec().findOption("--session") != null) {
            script = withCodeWords(args[0], script);
        }
        System.out.print(script);
    }

    private static String withCodeWords(String program, String script) throws ReflectiveOperationException {
        String function = "function _complete_" + program + "() {";
        if (!script.contains(function)) {
            throw new IllegalStateException("picocli's script has no '" + function + "'");
        }
        Class<?> words = Class.forName("dev.dhtsignal.pake.WordList");
        Object list = words.getField("PGP").get(null);
        StringBuilder odd = new StringBuilder();
        StringBuilder even = new StringBuilder();
        for (int i = 0; i < 256; i++) {
            odd.append(i == 0 ? "" : " ").append(words.getMethod("odd", int.class).invoke(list, i));
            even.append(i == 0 ? "" : " ").append(words.getMethod("even", int.class).invoke(list, i));
        }
        return script.replace(function, "function _complete_" + program + "_options() {") + """

                # Short session codes, NUMBER-WORD-WORD: after --session, Tab completes the words from the PGP word
                # list, the first from its odd half, the second from its even half (as the program reads them).
                _%1$s_code_odd="%2$s"
                _%1$s_code_even="%3$s"
                function _complete_%1$s() {
                  local cur=${COMP_WORDS[COMP_CWORD]} prev=
                  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
                  if [[ $prev == --session && $cur == [0-9]*-* ]]; then
                    local number=${cur%%%%-*} rest=${cur#*-}
                    if [[ $number != *[!0-9]* ]]; then
                      if [[ $rest != *-* ]]; then
                        COMPREPLY=( $(compgen -P "$number-" -S - -W "$_%1$s_code_odd" -- "$rest") )
                        type compopt &>/dev/null && compopt -o nospace
                      else
                        COMPREPLY=( $(compgen -P "$number-${rest%%%%-*}-" -W "$_%1$s_code_even" -- "${rest#*-}") )
                      fi
                      return 0
                    fi
                  fi
                  _complete_%1$s_options "$@"
                }
                """.formatted(program, odd, even);
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
