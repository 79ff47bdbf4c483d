using StepOperator.Fuzz.CommandLine;
using Xunit.Abstractions;

namespace StepOperator.Fuzz.Tests;

/// <summary>
/// The program's command line and both configuration files (the user-level file and the project's stepoperator.json),
/// fuzzed as the analyzers are: a fixed seed, thousands of cases run in-process through the whole command line, no
/// unhandled exception, exit codes in the documented set, files byte for byte unchanged (see <see cref="HostFuzzRunner"/>).
/// </summary>
public class CommandLineFuzzTests(ITestOutputHelper output)
{
    /// <summary>The CI seed. STEPOPERATOR_FUZZ_SEED and STEPOPERATOR_FUZZ_CASES override it and the count locally.</summary>
    public const int CiSeed = 20_251_126;

    public const int CiCases = 3_000;

    static CommandLineFuzzTests()
    {
        StepCatalog.Register(new PipelineDefinition(HostCaseGenerator.Pipeline, "CommandLineFuzzTests.Pipeline", _ => Task.CompletedTask));
        StepCatalog.Register(new StepDefinition(HostCaseGenerator.Step, StepPlacement.Orchestrator, "CommandLineFuzzTests.Step", new StepSettings { Memory = "1GB" }));
    }

    [Fact]
    public async Task Thousands_of_command_lines_and_configuration_files_never_crash_and_never_change_a_file()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("STEPOPERATOR_FUZZ_SEED"), out var s) ? s : CiSeed;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("STEPOPERATOR_FUZZ_CASES"), out var n) ? n : CiCases;

        var report = await new HostFuzzRunner(seed, cases).RunAsync();

        output.WriteLine(report.Summary());
        if (report.Failures.Count > 0)
        {
            output.WriteLine(report.Describe());
        }

        Assert.Equal(cases, report.Cases);
        Assert.True(report.Failures.Count == 0, report.Summary() + "\n" + report.Describe());

        // The fuzz reaches every outcome: successes, refusals and the files' kinds.
        Assert.True(report.ByExitCode.GetValueOrDefault(0) > cases / 20, report.Summary());
        Assert.True(report.ByExitCode.GetValueOrDefault(2) > cases / 5, report.Summary());
    }

    [Fact]
    public void The_same_seed_gives_the_same_cases()
    {
        static string Case(int seed, int index) => HostCaseGenerator.Describe(HostCaseGenerator.Create(seed, index, "/fuzz-root"));

        var first = Enumerable.Range(0, 200).Select(i => Case(7, i)).ToList();
        Assert.Equal(first, Enumerable.Range(0, 200).Select(i => Case(7, i)));
        Assert.NotEqual(first, Enumerable.Range(0, 200).Select(i => Case(8, i)));
    }
}
