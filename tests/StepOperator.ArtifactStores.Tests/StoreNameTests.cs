using System.Text.RegularExpressions;
using StepOperator.Azure;
using StepOperator.S3;

namespace StepOperator.Artifacts.Tests;

/// <summary>Bucket and container names as S3 and Azure allow them, checked before any request.</summary>
public class StoreNameTests
{
    [Theory]
    [InlineData("ml-artifacts")]
    [InlineData("stepoperator-runs")]
    [InlineData("a.b-c1")]
    public void Names_s3_allows_pass(string name) => Assert.Null(S3BucketNames.Problem(name));

    [Theory]
    [InlineData("ml", "it has 2 characters; a bucket name has 3 to 63")]
    [InlineData("ML-Artifacts", "'M' is not allowed; use lower-case letters, digits, '.' and '-'")]
    [InlineData("my_bucket", "'_' is not allowed; use lower-case letters, digits, '.' and '-'")]
    [InlineData("-artifacts", "it must begin and end with a letter or digit")]
    [InlineData("a..b", "it has two adjacent dots")]
    [InlineData("192.168.5.4", "it is formatted as an IP address")]
    [InlineData("xn--artifacts", "the prefix 'xn--' is reserved")]
    public void Names_s3_refuses_say_which_rule(string name, string problem) => Assert.Equal(problem, S3BucketNames.Problem(name));

    [Theory]
    [InlineData("ml", "it has 2 characters; a container name has 3 to 63")]
    [InlineData("ml.artifacts", "'.' is not allowed; use lower-case letters, digits and '-'")]
    [InlineData("ml--artifacts", "it must begin with a letter or digit, and every '-' must be between letters or digits")]
    public void Names_azure_refuses_say_which_rule(string name, string problem) => Assert.Equal(problem, AzureContainerNames.Problem(name));

    [Theory]
    [InlineData("ml-artifacts")]
    [InlineData("$root")]
    public void Names_azure_allows_pass(string name) => Assert.Null(AzureContainerNames.Problem(name));

    [Fact]
    public void The_readmes_store_examples_use_names_the_services_allow()
    {
        var readme = File.ReadAllText(RepositoryPaths.Combine("README.md"));
        var buckets = Regex.Matches(readme, @"--bucket=([^\s.]\S*)").Select(m => m.Groups[1].Value).Where(b => b != "...").ToList();
        var containers = Regex.Matches(readme, @"--container=([^\s.]\S*)").Select(m => m.Groups[1].Value).Where(c => c != "...").ToList();

        Assert.NotEmpty(buckets);
        Assert.All(buckets, bucket => Assert.True(S3BucketNames.Problem(bucket) is null, $"README: --bucket={bucket}: {S3BucketNames.Problem(bucket)}"));
        Assert.All(containers, container => Assert.True(AzureContainerNames.Problem(container) is null, $"README: --container={container}: {AzureContainerNames.Problem(container)}"));
    }
}
