using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace StepOperator.Generators.Tests;

/// <summary>
/// Snapshot comparison without Verify: the expected text lives in <c>Snapshots/NAME.verified.cs</c>
/// beside the tests and is compared exactly. Set STEPOPERATOR_ACCEPT_SNAPSHOTS=1 to rewrite the
/// files; otherwise a mismatch writes NAME.received.cs and fails with a readable diff.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "STEPOPERATOR_ACCEPT_SNAPSHOTS";

    /// <summary>The Snapshots folder in the source tree (found from the test binaries, since CI builds map source paths).</summary>
    public static string Directory { get; } = RepositoryPaths.Combine("tests", "StepOperator.Generators.Tests", "Snapshots");

    public static void Match(string actual, string name)
    {
        var directory = Directory;
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = actual.ReplaceLineEndings("\n");

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            System.IO.Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(verified) ? File.ReadAllText(verified).ReplaceLineEndings("\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        var message = new StringBuilder();
        message.AppendLine(expected is null
            ? $"No snapshot {verified}; the output was written to {received}."
            : $"Output differs from {verified} (- expected, + actual); it was written to {received}.");
        message.AppendLine($"If the change is intended, rerun with {AcceptVariable}=1 and review the diff.");
        foreach (var line in InlineDiffBuilder.Diff(expected ?? string.Empty, actual).Lines)
        {
            var prefix = line.Type switch
            {
                ChangeType.Inserted => "+ ",
                ChangeType.Deleted => "- ",
                _ => "  ",
            };
            message.Append(prefix).AppendLine(line.Text);
        }

        Assert.Fail(message.ToString());
    }
}
