using Mono.Cecil;
using Mono.Cecil.Cil;

namespace StepOperator.Runtime.Tests.Architecture;

/// <summary>
/// Which namespaces of an assembly use which, read from its IL with Mono.Cecil: base types, interfaces, fields,
/// signatures, attributes and every type, method and field a method body refers to. Each use keeps one example
/// ("StepOperator.Runs.PipelineRun uses StepOperator.Stacks.Stack") for the messages. The root namespace is what user
/// code names, and holds two layers: the programming model, and the host and stubs that compose the rest
/// (<see cref="HostTypes"/>), which count as the node <see cref="Host"/>.
/// </summary>
internal sealed class NamespaceGraph
{
    /// <summary>The node of the root namespace's composing types.</summary>
    public const string Host = "StepOperator (host)";

    /// <summary>The root namespace's types that compose the layers: the program's entry (StepOperatorHost) and the stubs' submission.</summary>
    public static readonly IReadOnlySet<string> HostTypes = new HashSet<string>(StringComparer.Ordinal) { "StepOperator.StepOperatorHost", "StepOperator.StepSubmission" };

    private readonly Dictionary<string, Dictionary<string, string>> _uses = new(StringComparer.Ordinal);

    private NamespaceGraph()
    {
    }

    public IReadOnlyCollection<string> Namespaces => _uses.Keys;

    /// <summary>The namespaces <paramref name="from"/> uses, each with an example.</summary>
    public IReadOnlyDictionary<string, string> UsesOf(string from) => _uses.GetValueOrDefault(from) ?? new Dictionary<string, string>();

    /// <param name="assemblyPath">The assembly to read.</param>
    /// <param name="rootNamespace">Only namespaces under this one count.</param>
    /// <param name="includeReferences">Count uses of other assemblies' types too (a backend's uses of the core), not only of its own.</param>
    public static NamespaceGraph Of(string assemblyPath, string rootNamespace, bool includeReferences = false)
    {
        var graph = new NamespaceGraph();
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        foreach (var type in module.GetTypes())
        {
            var from = NamespaceOf(type);
            if (!from.StartsWith(rootNamespace, StringComparison.Ordinal))
            {
                continue;
            }

            graph._uses.TryAdd(from, new Dictionary<string, string>(StringComparer.Ordinal));
            foreach (var used in ReferencedTypes(type))
            {
                if (!includeReferences && used.Scope != module && used.Module != module)
                {
                    continue;
                }

                var to = NamespaceOf(used);
                if (to != from && to.StartsWith(rootNamespace, StringComparison.Ordinal))
                {
                    graph._uses[from].TryAdd(to, $"{Outermost(type).FullName} uses {Outermost(used).FullName}");
                }
            }
        }

        return graph;
    }

    /// <summary>The sets of namespaces that use one another (strongly connected components of more than one namespace).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = 0;
        var indices = new Dictionary<string, int>();
        var lowLinks = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<IReadOnlyList<string>>();

        void Visit(string node)
        {
            indices[node] = lowLinks[node] = index++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in UsesOf(node).Keys)
            {
                if (!indices.ContainsKey(next))
                {
                    Visit(next);
                    lowLinks[node] = Math.Min(lowLinks[node], lowLinks[next]);
                }
                else if (onStack.Contains(next))
                {
                    lowLinks[node] = Math.Min(lowLinks[node], indices[next]);
                }
            }

            if (lowLinks[node] == indices[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);
                if (component.Count > 1)
                {
                    cycles.Add(component.Order(StringComparer.Ordinal).ToList());
                }
            }
        }

        foreach (var node in _uses.Keys.Order(StringComparer.Ordinal))
        {
            if (!indices.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return cycles;
    }

    private static TypeDefinition Outermost(TypeDefinition type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    private static TypeReference Outermost(TypeReference type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    private static string NamespaceOf(TypeReference type)
    {
        var outermost = Outermost(type.GetElementType());
        return HostTypes.Contains(outermost.FullName) ? Host : outermost.Namespace;
    }

    private static IEnumerable<TypeReference> ReferencedTypes(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? reference)
        {
            switch (reference)
            {
                case null:
                    return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Add(argument);
                    }

                    return;
                case TypeSpecification specification:
                    Add(specification.ElementType);
                    return;
                case GenericParameter:
                    return;
                default:
                    found.Add(reference);
                    return;
            }
        }

        void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (var attribute in provider.CustomAttributes)
            {
                Add(attribute.AttributeType);
            }
        }

        Add(type.BaseType);
        AddAttributes(type);
        foreach (var implemented in type.Interfaces)
        {
            Add(implemented.InterfaceType);
        }

        foreach (var field in type.Fields)
        {
            Add(field.FieldType);
            AddAttributes(field);
        }

        foreach (var property in type.Properties)
        {
            Add(property.PropertyType);
        }

        foreach (var method in type.Methods)
        {
            AddAttributes(method);
            Add(method.ReturnType);
            foreach (var parameter in method.Parameters)
            {
                Add(parameter.ParameterType);
            }

            if (!method.HasBody)
            {
                continue;
            }

            foreach (var variable in method.Body.Variables)
            {
                Add(variable.VariableType);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference referenced:
                        Add(referenced);
                        break;
                    case MethodReference called:
                        Add(called.DeclaringType);
                        Add(called.ReturnType);
                        foreach (var parameter in called.Parameters)
                        {
                            Add(parameter.ParameterType);
                        }

                        if (called is GenericInstanceMethod genericMethod)
                        {
                            foreach (var argument in genericMethod.GenericArguments)
                            {
                                Add(argument);
                            }
                        }

                        break;
                    case FieldReference field:
                        Add(field.DeclaringType);
                        Add(field.FieldType);
                        break;
                }
            }
        }

        return found;
    }
}
