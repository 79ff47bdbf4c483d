using StepOperator.Reporting;
using StepOperator.Runs;

namespace StepOperator.Runtime.Tests.Reporting;

/// <summary>Which view a run gets: live only on an interactive terminal with nothing asking for plain output.</summary>
public class RunViewsTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Standard_output_on_a_terminal_with_nothing_against_it_gets_the_live_view()
    {
        Assert.True(RunViews.PrefersLive(Console.Out, noColor: false, outputRedirected: false, NoEnvironment));
        Assert.True(RunViews.PrefersLive(Console.Out, noColor: false, outputRedirected: false, Environment(("TERM", "xterm-256color"), ("NO_COLOR", ""), ("CI", "false"))));
    }

    [Fact]
    public void Redirected_output_gets_plain_lines() =>
        Assert.False(RunViews.PrefersLive(Console.Out, noColor: false, outputRedirected: true, NoEnvironment));

    [Fact]
    public void No_color_gets_plain_lines() =>
        Assert.False(RunViews.PrefersLive(Console.Out, noColor: true, outputRedirected: false, NoEnvironment));

    [Theory]
    [InlineData("NO_COLOR", "1")]
    [InlineData("TERM", "dumb")]
    [InlineData("CI", "true")]
    [InlineData("CI", "TRUE")]
    [InlineData("CI", "1")]
    public void The_environment_can_ask_for_plain_lines(string name, string value) =>
        Assert.False(RunViews.PrefersLive(Console.Out, noColor: false, outputRedirected: false, Environment((name, value))));

    [Fact]
    public void A_writer_other_than_standard_output_gets_plain_lines()
    {
        using var writer = new StringWriter();
        Assert.False(RunViews.PrefersLive(writer, noColor: false, outputRedirected: false, NoEnvironment));

        // And the factory hands it the plain view, which writes to the given writers.
        var view = RunViews.Create(writer, writer, noColor: false);
        Assert.IsType<PlainRunView>(view);
        view.Message("hello", isProblem: false);
        Assert.Equal("hello" + System.Environment.NewLine, writer.ToString());
    }

    [Fact]
    public void The_factory_gives_plain_lines_with_no_color_even_on_standard_output() =>
        Assert.IsType<PlainRunView>(RunViews.Create(Console.Out, Console.Error, noColor: true));

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();
}
