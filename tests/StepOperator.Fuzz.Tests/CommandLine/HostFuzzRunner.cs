using System.Diagnostics;
using System.Globalization;
using System.Text;
using StepOperator.Components;
using StepOperator.Configuration;

namespace StepOperator.Fuzz.CommandLine;

/// <summary>One case that broke an assertion.</summary>
internal sealed record HostFuzzFailure(HostCase Case, string Category, string Details);

/// <summary>
/// Runs cases through the program's whole command line in-process (<see cref="ProgramUnderTest"/>: its public entry
/// point, with configuration files and a home of its own). The oracle, for every case: no exception
/// escapes; the exit code is one the README documents (0, 1, 2, 130); nothing that looks like a stack trace is
/// printed; the project file is byte for byte as it was, and so is the user-level file unless a command that saves it
/// succeeded; and when a read-only command that loads the configuration runs on a file the check refuses, it ends
/// with 2 and exactly the check's one line.
/// </summary>
internal sealed class HostFuzzRunner(int seed, int cases)
{
    private static readonly int[] DocumentedExitCodes = [0, 1, 2, 130];

    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(60);

    public async Task<HostFuzzReport> RunAsync()
    {
        var report = new HostFuzzReport(seed);
        var clock = Stopwatch.StartNew();
        using var program = new ProgramUnderTest();
        for (var index = 0; index < cases; index++)
        {
            var @case = HostCaseGenerator.Create(seed, index, program.Root);
            report.Add(@case, await RunCaseAsync(program, @case));
        }

        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>The case's exit code and the problems it showed.</summary>
    public static async Task<(int? ExitCode, List<(string Category, string Details)> Problems)> RunCaseAsync(ProgramUnderTest host, HostCase @case)
    {
        var problems = new List<(string, string)>();
        Place(host.UserFile, @case.UserFile);
        Place(host.ProjectFile, @case.ProjectFile);
        var expected = ExpectedProblem(host);

        ProgramUnderTest.Result result;
        try
        {
            var run = host.RunAsync(@case.Arguments);
            if (await Task.WhenAny(run, Task.Delay(CaseTimeout)) != run)
            {
                problems.Add(("hang", $"no exit after {CaseTimeout.TotalSeconds} s"));
                return (null, problems);
            }

            result = await run;
        }
        catch (Exception e)
        {
            problems.Add(("unhandled exception", e.ToString()));
            return (null, problems);
        }

        var printed = result.Output + result.Error;
        if (!DocumentedExitCodes.Contains(result.ExitCode))
        {
            problems.Add(("exit code", $"{result.ExitCode} is not documented\n{Clip(result.ToString())}"));
        }

        if (printed.Contains("Unhandled exception", StringComparison.Ordinal) || printed.Contains("\n   at ", StringComparison.Ordinal))
        {
            problems.Add(("stack trace printed", Clip(result.ToString())));
        }

        if (result.ExitCode == 2 && result.Error.Trim().Length == 0)
        {
            problems.Add(("no reason", $"exit code 2 with nothing on standard error\n{Clip(result.ToString())}"));
        }

        if (!Same(host.ProjectFile, @case.ProjectFile))
        {
            problems.Add(("project file changed", Clip(result.ToString())));
        }

        if (!Same(host.UserFile, @case.UserFile) && !(@case.MaySave && result.ExitCode == 0 && expected is null))
        {
            problems.Add(("user file changed", Clip(result.ToString())));
        }

        if (@case.ProbeReadsConfiguration && expected is not null && (result.ExitCode != 2 || result.Error.Trim() != expected))
        {
            problems.Add(("bad file not reported", $"expected exit code 2 and: {Clip(expected)}\n{Clip(result.ToString())}"));
        }

        return (result.ExitCode, problems);
    }

    /// <summary>The one line the configuration check gives for the files as they are, or null when it accepts them.</summary>
    private static string? ExpectedProblem(ProgramUnderTest host)
    {
        try
        {
            var user = ConfigurationFile.Read(host.UserFile);
            ConfigurationFile.Read(host.ProjectFile, user?.Flavors);
            return null;
        }
        catch (StackConfigurationException e)
        {
            return e.Message;
        }
    }

    private static void Place(string path, byte[]? bytes)
    {
        if (bytes is null)
        {
            File.Delete(path);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
    }

    private static bool Same(string path, byte[]? bytes) =>
        bytes is null ? !File.Exists(path) : File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);

    private static string Clip(string text) => text.Length <= 3_000 ? text : text[..1_500] + $"\n... ({text.Length - 3_000} characters) ...\n" + text[^1_500..];
}

/// <summary>What a run did: cases by kind, exit codes, failures.</summary>
internal sealed class HostFuzzReport(int seed)
{
    public int Seed { get; } = seed;

    public int Cases { get; private set; }

    public TimeSpan Elapsed { get; set; }

    public SortedDictionary<string, int> ByKind { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<int, int> ByExitCode { get; } = new();

    public List<HostFuzzFailure> Failures { get; } = new();

    public void Add(HostCase @case, (int? ExitCode, List<(string Category, string Details)> Problems) outcome)
    {
        Cases++;
        ByKind[@case.Kind.ToString()] = ByKind.GetValueOrDefault(@case.Kind.ToString()) + 1;
        if (outcome.ExitCode is { } exitCode)
        {
            ByExitCode[exitCode] = ByExitCode.GetValueOrDefault(exitCode) + 1;
        }

        Failures.AddRange(outcome.Problems.Select(p => new HostFuzzFailure(@case, p.Category, p.Details)));
    }

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"command-line fuzz seed={Seed}: {Cases} cases ({string.Join(", ", ByKind.Select(p => $"{p.Key} {p.Value}"))}) in {Elapsed.TotalSeconds:F1} s; " +
        $"exit codes: {string.Join(", ", ByExitCode.Select(p => $"{p.Key}×{p.Value}"))}; failures: {Failures.Count}");

    public string Describe(int limit = 5)
    {
        var text = new StringBuilder();
        text.Append($"{Failures.Count} failures ({string.Join(", ", Failures.GroupBy(f => f.Category).Select(g => $"{g.Key}: {g.Count()}"))}) with seed {Seed}.\n");
        foreach (var failure in Failures.Take(limit))
        {
            text.Append($"\n=== {failure.Category}\n{HostCaseGenerator.Describe(failure.Case)}\n{failure.Details.TrimEnd()}\n");
        }

        if (Failures.Count > limit)
        {
            text.Append($"\n... and {Failures.Count - limit} more: cases {string.Join(", ", Failures.Skip(limit).Select(f => f.Case.Index).Distinct().Take(50))}\n");
        }

        return text.ToString();
    }
}
