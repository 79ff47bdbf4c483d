using System.Text.RegularExpressions;
using StepOperator.Reporting;
using StepOperator.Runs;

namespace StepOperator.Runtime.Tests.Reporting;

/// <summary>report.md and report.html: header, steps, failures and retries, escaped.</summary>
public class RunReportTests
{
    [Fact]
    public void Writes_markdown_and_html_into_the_run_directory_and_returns_the_markdown_path()
    {
        using var directory = new SampleRuns.TempDirectory();
        var run = SampleRuns.Succeeded();

        var path = RunReport.Write(run, directory.Path);

        Assert.Equal(Path.Combine(directory.Path, "report.md"), path);
        Assert.Equal(RunReport.Markdown(run), File.ReadAllText(path));
        Assert.Equal(RunReport.Html(run), File.ReadAllText(Path.Combine(directory.Path, "report.html")));
        Assert.Equal(["report.html", "report.md"], Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_succeeded_run_shows_its_header_and_the_cache_decision_of_every_step()
    {
        var markdown = RunReport.Markdown(SampleRuns.Succeeded());

        Assert.StartsWith("# Run 20250301-120000-abcd: succeeded\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Pipeline: training\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Stack: local (artifact store default)\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Status: succeeded\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Started: 2025-03-01 12:00:00 UTC\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Duration: 4.2s\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Cache: on\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Parallelism: at most 2 step calls at once\n", markdown, StringComparison.Ordinal);

        var rows = TableRows(markdown, "## Steps");
        Assert.Equal(["Step", "Status", "Placement", "Started", "Duration", "Cache", "Attempts", "Exit code", "Reason"], rows[0]);
        Assert.Equal(["MakeDataset", "succeeded", "local", "+0.5s", "1.0s", "ran: no earlier run", "1", "-", "-"], rows[1]);
        Assert.Equal(["Train", "cached", "gpu", "+2.0s", "0.0s", $"hit (run {SampleRuns.EarlierRun})", "-", "-", "-"], rows[2]);

        Assert.Contains("## Failures\n\nNo step failed.\n", markdown, StringComparison.Ordinal);
        Assert.Contains("## Retries\n\nNo step was retried.\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_run_names_the_step_that_failed_first_its_reason_exit_code_and_last_20_lines()
    {
        var markdown = RunReport.Markdown(SampleRuns.Failed());

        Assert.StartsWith("# Run 20250301-130000-f00d: failed\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Cache: off (--no-cache)\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Parallelism: no limit\n", markdown, StringComparison.Ordinal);

        var rows = TableRows(markdown, "## Steps");
        var train = rows.Single(r => r[0] == "Train");
        Assert.Equal(["Train", "failed", "gpu", "+2.0s", "1m 27s", "ran: disabled (--no-cache)", "3", "137", "out of memory"], train);
        Assert.Equal("terminated", rows.Single(r => r[0] == "Sidecar")[8]);
        Assert.Equal(["Evaluate", "skipped"], rows.Single(r => r[0] == "Evaluate")[..2]);

        var failures = Section(markdown, "## Failures");
        Assert.StartsWith("Failed first: Train.\n", failures, StringComparison.Ordinal);

        // Train is explained first, although Sidecar was called before it.
        var trainAt = failures.IndexOf("### Train\n", StringComparison.Ordinal);
        var sidecarAt = failures.IndexOf("### Sidecar\n", StringComparison.Ordinal);
        Assert.True(trainAt >= 0 && sidecarAt > trainAt, failures);

        var trainSection = failures[trainAt..sidecarAt];
        Assert.Contains("- Status: failed\n", trainSection, StringComparison.Ordinal);
        Assert.Contains("- Reason: out of memory\n", trainSection, StringComparison.Ordinal);
        Assert.Contains("- Exit code: 137\n", trainSection, StringComparison.Ordinal);
        Assert.Contains("- Failed first: yes\n", trainSection, StringComparison.Ordinal);
        Assert.Contains("Error:\n\n```text\nout of memory (limit 32000 MB)\n```\n", trainSection, StringComparison.Ordinal);
        var expectedLines = string.Join("\n", Enumerable.Range(6, 20).Select(i => $"epoch {i}: loss 0.{i:00}"));
        Assert.Contains($"Last 20 lines of output:\n\n```text\n{expectedLines}\n```\n", trainSection, StringComparison.Ordinal);

        var sidecarSection = failures[sidecarAt..];
        Assert.Contains("- Reason: terminated\n", sidecarSection, StringComparison.Ordinal);
        Assert.Contains("- Exit code: none\n", sidecarSection, StringComparison.Ordinal);
        Assert.Contains("No output was captured.\n", sidecarSection, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed first: yes", sidecarSection, StringComparison.Ordinal);
        Assert.Contains("Not run, because a step they depend on did not succeed: Evaluate.\n", sidecarSection, StringComparison.Ordinal);
        Assert.DoesNotContain("### Evaluate", failures, StringComparison.Ordinal);
    }

    [Fact]
    public void Retries_list_every_attempt_of_a_retried_step()
    {
        var markdown = RunReport.Markdown(SampleRuns.Failed());

        var retries = Section(markdown, "## Retries");
        Assert.StartsWith("### Train: 3 attempts, failed\n", retries, StringComparison.Ordinal);
        var rows = TableRows(markdown, "## Retries");
        Assert.Equal(
            [
                ["Attempt", "Started", "Duration", "Exit code", "Result", "Error"],
                ["1", "+2.0s", "10.0s", "-", "failed: backend failure, retried", "sandbox preempted"],
                ["2", "+17.0s", "10.0s", "-", "failed: backend failure, retried", "lost connection"],
                ["3", "+37.0s", "52.0s", "137", "failed: out of memory", "out of memory (limit 32000 MB)"],
            ],
            rows);

        // Steps with one attempt are not listed.
        Assert.DoesNotContain("### MakeDataset", retries, StringComparison.Ordinal);
        Assert.DoesNotContain("### Sidecar", retries, StringComparison.Ordinal);
    }

    [Fact]
    public void Pipes_and_line_breaks_inside_table_cells_are_escaped()
    {
        var run = SampleRuns.Failed();
        var train = run.Steps.Single(s => s.InvocationId == "Train");
        train.Attempts[0].Error = "preempted | by platform\nthen lost";
        run.Steps.Add(SampleRuns.Ran("odd|name", "lo|cal", StepPlacement.Orchestrator, 1, 2, "input 'a|b' changed"));

        var markdown = RunReport.Markdown(run);

        Assert.Contains("| odd\\|name | succeeded | lo\\|cal |", markdown, StringComparison.Ordinal);
        Assert.Contains("| ran: input 'a\\|b' changed |", markdown, StringComparison.Ordinal);
        Assert.Contains("| preempted \\| by platform<br>then lost |", markdown, StringComparison.Ordinal);

        // Every row of every table has as many cells as its header.
        foreach (var table in Regex.Matches(markdown, @"(?:^\|.*\|\n)+", RegexOptions.Multiline).Select(m => m.Value))
        {
            var counts = table.TrimEnd('\n').Split('\n').Select(line => Regex.Matches(line, @"(?<!\\)\|").Count).ToList();
            Assert.All(counts, count => Assert.Equal(counts[0], count));
        }
    }

    [Fact]
    public void Log_lines_with_backtick_fences_or_terminal_escapes_cannot_break_the_code_block()
    {
        var run = SampleRuns.Failed();
        var train = run.Steps.Single(s => s.InvocationId == "Train");
        train.LastLines = ["before", "```", "\u001b[31mred text\u001b[0m", "after"];

        var markdown = RunReport.Markdown(run);

        Assert.Contains("Last 4 lines of output:\n\n````text\nbefore\n```\nred text\nafter\n````\n", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Markup_characters_in_names_and_errors_are_escaped_outside_code_blocks()
    {
        var run = SampleRuns.Failed();
        run.FailedFirst = "Train_<b>";
        run.Steps.Single(s => s.InvocationId == "Train").StepOperator = "*gpu*";

        var markdown = RunReport.Markdown(run);

        Assert.Contains("Failed first: Train\\_\\<b\\>.\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- Placement: \\*gpu\\*\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_report_has_the_same_content_with_everything_encoded()
    {
        var run = SampleRuns.Failed();
        var train = run.Steps.Single(s => s.InvocationId == "Train");
        train.LastLines = ["<script>alert('x')</script> & done"];
        train.Error = "bad <b>input</b>";
        train.Attempts[0].Error = "a\nb";

        var html = RunReport.Html(run);

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Run 20250301-130000-f00d: failed</title>", html, StringComparison.Ordinal);
        Assert.Contains("<h2>Failures</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<p>Failed first: Train.</p>", html, StringComparison.Ordinal);
        Assert.Contains("<li>Reason: out of memory</li>", html, StringComparison.Ordinal);
        Assert.Contains("<li>Exit code: 137</li>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; done", html, StringComparison.Ordinal);
        Assert.Contains("bad &lt;b&gt;input&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<td>a<br>b</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);

        // The steps table: one row per call, with the same cells as the Markdown.
        Assert.Contains("<tr><td>Train</td><td>failed</td><td>gpu</td><td>+2.0s</td><td>1m 27s</td><td>ran: disabled (--no-cache)</td><td>3</td><td>137</td><td>out of memory</td></tr>", html, StringComparison.Ordinal);
    }

    /// <summary>The text of a "## " section, up to the next one.</summary>
    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf(heading + "\n\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section '{heading}' in:\n{markdown}");
        start += heading.Length + 2;
        var end = markdown.IndexOf("\n## ", start, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..(end + 1)];
    }

    /// <summary>The cells of the first table in a section (header first, rule left out), unescaped.</summary>
    private static List<string[]> TableRows(string markdown, string heading) =>
        Section(markdown, heading).Split('\n')
            .SkipWhile(line => !line.StartsWith('|'))
            .TakeWhile(line => line.StartsWith('|'))
            .Where(line => !line.StartsWith("| ---", StringComparison.Ordinal))
            .Select(line => Regex.Split(line.Trim()[1..^1], @"(?<!\\)\|").Select(cell => cell.Trim().Replace("\\|", "|", StringComparison.Ordinal)).ToArray())
            .ToList();
}
