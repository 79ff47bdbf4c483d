using System.Text;
using System.Text.Json;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Execution;
using StepOperator.Local;
using StepOperator.Runs;
using StepOperator.Stacks;

namespace StepOperator.Runtime.Tests;

/// <summary>Standby step processes of the local stack: the message they are sent, how they read it, and the setting.</summary>
public sealed class StandbyTests
{
    [Fact]
    public void A_dispatch_is_one_line_and_reads_back_as_the_same_call_and_variables()
    {
        var dispatch = new StandbyDispatch(
            StepEntrypointArguments.For("Train", "20261127-010000-abcdef", "Train.2", "file:///tmp/store dir/"),
            new Dictionary<string, string>
            {
                ["STEPOPERATOR_ATTEMPT"] = "2",
                ["MULTI_LINE"] = "first\nsecond\r\nthird",
                ["UNICODE"] = "Zürich ✓",
            });

        var line = dispatch.ToLine();

        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
        var back = StandbyDispatch.Parse(line);
        Assert.Equal(dispatch.Arguments, back.Arguments);
        Assert.Equal(new StepEntrypointCall("Train", "20261127-010000-abcdef", "Train.2", "file:///tmp/store dir/"), back.Call);
        Assert.Equal(dispatch.Environment.OrderBy(p => p.Key), back.Environment.OrderBy(p => p.Key));
    }

    [Theory]
    [InlineData("""{"environment":{}}""", "no 'arguments' array")]
    [InlineData("""{"arguments":"step Train"}""", "no 'arguments' array")]
    [InlineData("""{"arguments":["step","Train",1]}""", "An argument is Number")]
    [InlineData("""{"arguments":["step","Train","--run-id","r","--invocation","i"]}""", "'arguments' do not name a step call: step Train --run-id r --invocation i")]
    [InlineData("""{"arguments":["step","","--run-id","r","--invocation","i","--store","/s"]}""", "'arguments' do not name a step call")]
    [InlineData("""{"arguments":["step","Train","--run-id","r","--invocation","i","--store","/s"],"environment":{"A":1}}""", "Variable 'A'")]
    [InlineData("""{"arguments":["step","Train","--run-id","r","--invocation","i","--store","/s"],"environment":[]}""", "'environment'")]
    [InlineData("""["step"]""", "not an object")]
    public void A_damaged_dispatch_names_what_is_wrong(string line, string named)
    {
        var error = Assert.ThrowsAny<JsonException>(() => StandbyDispatch.Parse(line).Call);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Only_the_standby_arguments_start_a_standby_process()
    {
        Assert.True(StepEntrypointArguments.IsStandby(StepEntrypointArguments.Standby));
        Assert.False(StepEntrypointArguments.IsStandby(["step", "--standby", "extra"]));
        Assert.False(StepEntrypointArguments.IsStandby(["step", "Train"]));
        Assert.False(StepEntrypointArguments.IsStandby(["run", "--standby"]));
        Assert.Null(StepEntrypointArguments.TryParse(StepEntrypointArguments.Standby));
    }

    [Fact]
    public async Task A_standby_process_whose_input_ends_without_a_call_runs_nothing_and_exits_with_0()
    {
        var error = new StringWriter();
        Assert.Equal(0, await StepStandby.RunAsync(new MemoryStream(), error));
        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public async Task A_standby_process_given_a_line_it_cannot_read_says_so_and_how_to_run_a_call_by_hand()
    {
        var error = new StringWriter();
        Assert.Equal(2, await StepStandby.RunAsync(new MemoryStream("run Train please\n"u8.ToArray()), error));
        Assert.Contains("A standby step process received a call it cannot read", error.ToString());
        Assert.Contains("step <name> --run-id <id> --invocation <id> --store <location>", error.ToString());
    }

    [Fact]
    public async Task A_standby_process_sets_the_calls_variables_before_it_runs_the_call()
    {
        var variable = "STEPOPERATOR_TEST_STANDBY_" + Guid.NewGuid().ToString("N");
        var dispatch = new StandbyDispatch(
            StepEntrypointArguments.For("NoSuchStepInThisProgram", "r1", "i1", Path.GetTempPath()),
            new Dictionary<string, string> { [variable] = "set by the dispatch" });
        var error = new StringWriter();
        try
        {
            // The call itself fails (this test program has no such step), after the variables are set.
            var exitCode = await StepStandby.RunAsync(new MemoryStream(Encoding.UTF8.GetBytes(dispatch.ToLine() + "\n")), error);

            Assert.Equal(2, exitCode);
            Assert.Contains("Unknown step 'NoSuchStepInThisProgram'", error.ToString());
            Assert.Equal("set by the dispatch", Environment.GetEnvironmentVariable(variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("False", false)]
    public void The_standby_setting_is_on_unless_turned_off(string? value, bool expected)
    {
        var settings = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Standby"] = value };
        Assert.Equal(expected, LocalProcessFlavor.Standby(new ComponentDefinition("local", ComponentType.Orchestrator, "local", settings)));
    }

    [Fact]
    public void A_standby_setting_that_is_not_true_or_false_names_the_component_and_the_fix()
    {
        var component = new ComponentDefinition("quick", ComponentType.Orchestrator, "local", new Dictionary<string, string> { ["Standby"] = "sometimes" });
        var error = Assert.Throws<StackConfigurationException>(() => LocalProcessFlavor.Standby(component));
        Assert.Contains("'quick'", error.Message);
        Assert.Contains("'sometimes' is not true or false", error.Message);
        Assert.Contains("update quick --standby=false", error.Message);
    }
}
