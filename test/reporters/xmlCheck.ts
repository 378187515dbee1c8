// A small well-formedness check for the JUnit reports: every tag closed in order, attribute
// values quoted, no raw `<` or stray `&` in text. Enough to catch an escaping bug, which is
// what a CI system's XML parser would choke on.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    switch (e) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

function checkEntities(text: string, where: string): void {
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    if (!ENTITY.test(text.slice(i))) throw new Error(`unescaped & in ${where}: ${JSON.stringify(text.slice(i, i + 20))}`);
  }
  if (text.includes('<')) throw new Error(`raw < in ${where}`);
}

/** Parses the document into a tree, throwing on anything that is not well-formed. */
export function parseXml(xml: string): XmlElement {
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  for (let guard = 0; rest.length > 0; guard++) {
    if (guard > 1_000_000) throw new Error('document too large');
    const lt = rest.indexOf('<');
    const text = lt === -1 ? rest : rest.slice(0, lt);
    checkEntities(text, 'text');
    const top = stack[stack.length - 1]!;
    top.text += decode(text);
    if (lt === -1) break;
    rest = rest.slice(lt);
    const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(rest);
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== close[1]) throw new Error(`</${close[1]}> closes <${open?.name ?? 'nothing'}>`);
      rest = rest.slice(close[0].length);
      continue;
    }
    const tag = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"]*")*)\s*(\/?)>/.exec(rest);
    if (!tag) throw new Error(`malformed tag at ${JSON.stringify(rest.slice(0, 40))}`);
    const element: XmlElement = { name: tag[1]!, attributes: {}, children: [], text: '' };
    for (const [, name, value] of (tag[2] ?? '').matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      checkEntities(value!, `attribute ${name!}`);
      element.attributes[name!] = decode(value!);
    }
    top.children.push(element);
    if (tag[3] !== '/') stack.push(element);
    rest = rest.slice(tag[0].length);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1) throw new Error(`expected one root element, found ${root.children.length}`);
  return root.children[0]!;
}

export function findAll(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (e: XmlElement): void => {
    if (e.name === name) found.push(e);
    e.children.forEach(visit);
  };
  visit(element);
  return found;
}
