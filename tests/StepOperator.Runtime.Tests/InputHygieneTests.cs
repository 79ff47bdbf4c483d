using StepOperator.Artifacts;
using StepOperator.Runs;

namespace StepOperator.Runtime.Tests;

/// <summary>Names and keys that try to leave the store root or collide are rejected or encoded.</summary>
public class InputHygieneTests
{
    [Theory]
    [InlineData("Train")]
    [InlineData("make-dataset_2")]
    public void Plain_step_names_are_kept(string name) => Assert.Equal(name, PipelineRun.SafeName(name));

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("a/b")]
    [InlineData("Train.2")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("名前")]
    [InlineData("C:\\windows")]
    public void Odd_step_names_become_one_safe_key_segment(string name)
    {
        var safe = PipelineRun.SafeName(name);
        Assert.Matches("^[A-Za-z0-9_-]+$", safe);
        var key = ArtifactKey.Combine("run", "steps", safe); // throws if the segment could escape
        Assert.Equal(3, key.Value.Split('/').Length);
    }

    [Fact]
    public void Names_that_differ_only_in_odd_characters_never_share_a_folder()
    {
        var names = new[] { "a/b", "a_b", "a.b", "a b", "Train.2", "Train" };
        var safe = names.Select(PipelineRun.SafeName).ToList();
        Assert.Equal(safe.Count, safe.Distinct(StringComparer.Ordinal).Count());

        // "Train.2" the step name is not the second call of "Train" ("Train" + ".2").
        Assert.NotEqual(PipelineRun.SafeName("Train") + ".2", PipelineRun.SafeName("Train.2"));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("runs/../../outside")]
    [InlineData("/absolute")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("a\\..\\b")]
    [InlineData("a/b%2F..")]
    public void Keys_that_could_leave_the_store_root_are_rejected(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => ArtifactKey.Parse(key));
        Assert.Contains("Invalid artifact key", error.Message);
    }

    [Fact]
    public async Task The_local_store_writes_only_under_its_root_and_a_failed_write_leaves_nothing()
    {
        var root = Directory.CreateTempSubdirectory("stepoperator-hygiene-").FullName;
        try
        {
            var store = new LocalArtifactStore(Path.Combine(root, "store"));
            await store.WriteAsync(ArtifactKey.Parse("run/steps/a/output.json"), (s, ct) => s.WriteAsync("{}"u8.ToArray(), ct).AsTask(), CancellationToken.None);
            Assert.True(File.Exists(Path.Combine(root, "store", "run", "steps", "a", "output.json")));

            // A write that fails half-way (a lost device, a crash of the serializer) never becomes visible.
            var key = ArtifactKey.Parse("run/steps/a/broken.json");
            await Assert.ThrowsAsync<IOException>(() => store.WriteAsync(key, async (s, ct) =>
            {
                await s.WriteAsync(new byte[4096], ct);
                throw new IOException("Input/output error (simulated half-way)");
            }, CancellationToken.None));
            Assert.False(await store.ExistsAsync(key, CancellationToken.None));
            Assert.Empty(Directory.GetFiles(Path.Combine(root, "store"), "*.partial", SearchOption.AllDirectories));
            Assert.Equal(new[] { "store" }, Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
