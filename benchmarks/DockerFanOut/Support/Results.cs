using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace StepOperator.Benchmarks.Support;

/// <summary>
/// benchmarks/RESULTS.md: each benchmark replaces only its own section, the text between
/// <c>&lt;!-- Name --&gt;</c> and <c>&lt;!-- /Name --&gt;</c> (the benchmark's name); every other line of the file is kept.
/// Shared (linked) by the benchmarks that write RESULTS.md.
/// </summary>
internal static class Results
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>benchmarks/RESULTS.md of this repository, or the file STEPOPERATOR_BENCHMARK_RESULTS names.</summary>
    public static string FilePath =>
        Environment.GetEnvironmentVariable("STEPOPERATOR_BENCHMARK_RESULTS") is { Length: > 0 } other
            ? Path.GetFullPath(other)
            : Path.Combine(RepositoryRoot, "benchmarks", "RESULTS.md");

    /// <summary>nproc, memory, OS, .NET and the date, for the record.</summary>
    public static string Machine()
    {
        var gib = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return string.Create(CultureInfo.InvariantCulture,
            $"nproc {Environment.ProcessorCount}, {gib:0} GiB RAM, {RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; {Load()}");
    }

    /// <summary>
    /// How busy the machine was (other work shares it): the load average now, and, with a mark taken
    /// by <see cref="MarkPressure"/>, the share of the time since then that some task waited for a CPU
    /// (Linux pressure stall information, /proc/pressure/cpu "some").
    /// </summary>
    public static string Load()
    {
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : [];
        var text = load.Length >= 3 ? $"load average {load[0]} {load[1]} {load[2]}" : "load average unknown";
        if (s_pressureMark is { } mark && CpuPressureMicroseconds() is { } now)
        {
            var share = (now - mark.Total) / ((DateTime.UtcNow - mark.At).TotalMilliseconds * 1000.0);
            text += string.Create(CultureInfo.InvariantCulture, $"; CPU pressure during the benchmark {share * 100:0}% (share of time some task waited for a CPU)");
        }

        return text;
    }

    private static (long Total, DateTime At)? s_pressureMark;

    public static void MarkPressure()
    {
        if (CpuPressureMicroseconds() is { } total)
        {
            s_pressureMark = (total, DateTime.UtcNow);
        }
    }

    private static long? CpuPressureMicroseconds()
    {
        try
        {
            var line = File.ReadLines("/proc/pressure/cpu").First(l => l.StartsWith("some", StringComparison.Ordinal));
            return long.Parse(line[(line.IndexOf("total=", StringComparison.Ordinal) + 6)..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The commit measured, and whether src/ had uncommitted changes then.</summary>
    public static string Revision()
    {
        if (Environment.GetEnvironmentVariable("STEPOPERATOR_BENCHMARK_REVISION") is { Length: > 0 } given)
        {
            return given; // measured from an export of a commit, which has no .git to ask
        }

        var commit = Git("rev-parse", "--short", "HEAD");
        var dirty = Git("status", "--porcelain", "--", "src");
        return $"commit {commit}" + (dirty.Length == 0 ? " (src/ as committed)" : " (src/ with uncommitted changes of other work in progress)");
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string List(IEnumerable<double> values, string format = "0.00") => string.Join(", ", values.Select(v => F(v, format)));

    /// <summary>
    /// Finishes a benchmark's report: appends its hand-written analysis (<c>&lt;id&gt;-notes.md</c> beside the program, when
    /// there is one), prints it, and writes it as section <paramref name="id"/> of RESULTS.md unless <paramref name="write"/> is false.
    /// </summary>
    public static void Publish(string id, StringBuilder report, bool write = true)
    {
        var notes = Path.Combine(AppContext.BaseDirectory, $"{id}-notes.md");
        if (File.Exists(notes))
        {
            report.AppendLine();
            report.AppendLine(File.ReadAllText(notes).Trim());
        }

        Console.WriteLine();
        Console.WriteLine(report);
        if (write)
        {
            WriteSection(id, report.ToString());
            Console.WriteLine($"Written to {FilePath} (section {id}).");
        }
    }

    /// <summary>Replaces section <paramref name="id"/> of RESULTS.md with <paramref name="body"/>, or appends it.</summary>
    public static void WriteSection(string id, string body)
    {
        var start = $"<!-- {id} -->";
        var end = $"<!-- /{id} -->";
        var section = $"{start}\n{body.Trim()}\n{end}";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // Other benchmarks may write their sections at the same time: read, replace and write under one exclusive handle.
                using var stream = new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                string text;
                using (var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true))
                {
                    text = reader.ReadToEnd();
                }

                if (text.Length == 0)
                {
                    text = "# Benchmark results\n\nEach section is written by the benchmark it names, with the command that produced it.\n";
                }

                var from = text.IndexOf(start, StringComparison.Ordinal);
                var to = from < 0 ? -1 : text.IndexOf(end, from, StringComparison.Ordinal);
                text = from >= 0 && to >= 0
                    ? text[..from] + section + text[(to + end.Length)..]
                    : text.TrimEnd('\n') + "\n\n" + section + "\n";

                stream.SetLength(0);
                using var writer = new StreamWriter(stream, new UTF8Encoding(false));
                writer.Write(text);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static string Git(params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-C");
            start.ArgumentList.Add(RepositoryRoot);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var git = System.Diagnostics.Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : "?";
        }
        catch (Win32Exception)
        {
            return "?";
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StepOperator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No StepOperator.sln above {AppContext.BaseDirectory}.");
    }
}
