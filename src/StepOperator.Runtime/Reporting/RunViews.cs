using System;
using System.IO;
using Spectre.Console;
using StepOperator.Runs;

namespace StepOperator.Reporting;

/// <summary>Chooses how a run is shown: a live table on a terminal, plain lines everywhere else.</summary>
internal static class RunViews
{
    /// <summary>
    /// A <see cref="LiveRunView"/> when <paramref name="output"/> is the process's standard output and that
    /// is an interactive terminal, <paramref name="noColor"/> is false, NO_COLOR is not set, TERM is not
    /// "dumb" and CI is not "true"; otherwise a <see cref="PlainRunView"/> on the two writers.
    /// </summary>
    /// <remarks>The caller disposes the view (when it is <see cref="IDisposable"/>) once the run is over, even when it ends by an exception.</remarks>
    public static IRunView Create(TextWriter output, TextWriter error, bool noColor)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!PrefersLive(output, noColor, Console.IsOutputRedirected, Environment.GetEnvironmentVariable))
        {
            return new PlainRunView(output, error);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(output),
        });

        // A terminal Spectre cannot move the cursor on (no ANSI) would show every redraw as new lines.
        return console.Profile.Capabilities.Ansi ? new LiveRunView(console) : new PlainRunView(output, error);
    }

    /// <summary>Whether the live view fits: an interactive standard output, and nothing asking for plain output.</summary>
    internal static bool PrefersLive(TextWriter output, bool noColor, bool outputRedirected, Func<string, string?> environment)
    {
        if (noColor || outputRedirected || !ReferenceEquals(output, Console.Out))
        {
            return false;
        }

        // The no-color.org convention: set to anything but the empty string.
        if (!string.IsNullOrEmpty(environment("NO_COLOR")))
        {
            return false;
        }

        if (string.Equals(environment("TERM"), "dumb", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var ci = environment("CI");
        return !(string.Equals(ci, "true", StringComparison.OrdinalIgnoreCase) || ci == "1");
    }
}
