using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace StepOperator.Benchmarks;

/// <summary>
/// benchmarks/RESULTS.md: each benchmark owns one section between <c>&lt;!-- Pn --&gt;</c> and
/// <c>&lt;!-- /Pn --&gt;</c> and replaces only that; other sections are left exactly as they are.
/// </summary>
internal static class ResultsFile
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Path => System.IO.Path.Combine(RepositoryRoot, "benchmarks", "RESULTS.md");

    /// <summary>The machine, for the record: cores, memory, OS, .NET, date.</summary>
    public static string Machine()
    {
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return string.Create(CultureInfo.InvariantCulture,
            $"nproc {Environment.ProcessorCount}, {memory:0} GiB, {RuntimeInformation.OSDescription.Trim()} {RuntimeInformation.OSArchitecture}, " +
            $".NET {Environment.Version}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC{LoadAverage()}");
    }

    /// <summary>The commit the benchmark was built from, and whether src/ or eng/ had uncommitted changes.</summary>
    public static string SourceRevision()
    {
        string Git(params string[] arguments)
        {
            try
            {
                var start = new System.Diagnostics.ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var argument in new[] { "-C", RepositoryRoot }.Concat(arguments))
                {
                    start.ArgumentList.Add(argument);
                }

                using var git = System.Diagnostics.Process.Start(start)!;
                var output = git.StandardOutput.ReadToEnd().Trim();
                git.WaitForExit();
                return git.ExitCode == 0 ? output : "?";
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return "?";
            }
        }

        var commit = Git("rev-parse", "--short", "HEAD");
        var dirty = Git("status", "--porcelain", "--", "src", "eng");
        return $"commit {commit}" + (dirty.Length == 0 ? ", src/ and eng/ as committed" : dirty == "?" ? string.Empty : ", with uncommitted changes in src/ or eng/");
    }

    /// <summary>The 1/5/15-minute load averages at the end of the run (Linux), since other work shares the machine.</summary>
    private static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $", load average {parts[0]} {parts[1]} {parts[2]} at the end";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>Replaces section <paramref name="id"/> (or appends it) with <paramref name="body"/>.</summary>
    public static void WriteSection(string id, string body)
    {
        var start = $"<!-- {id} -->";
        var end = $"<!-- /{id} -->";
        var section = $"{start}\n{body.Trim()}\n{end}";

        // Other benchmarks write their own sections of the same file: read, replace and write under an exclusive handle.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
                using var stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                string text;
                using (var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true))
                {
                    text = reader.ReadToEnd();
                }

                if (text.Length == 0)
                {
                    text = "# Benchmark results\n\nEach section is written by the benchmark named in it (see issue 8); the command that produced it is given.\n";
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

    private static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(directory.FullName, "StepOperator.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException($"No StepOperator.sln above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}.");
    }
}

/// <summary>Small statistics over repeated measurements.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Marks text formatted for the record; the programs set the invariant culture first (<see cref="UseInvariantCulture"/>).</summary>
    public static string Invariant(string text) => text;

    /// <summary>Numbers in reports are written the same everywhere ("1.15", not "1,15").</summary>
    public static void UseInvariantCulture()
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
    }
}
