"""Sentences that tell someone what to say: a directive is not a report, so it supports nothing.

The instruction detector (`sources.looks_like_instruction`) keeps text that talks to the model
out of the prompt, but it matches wordings, and an attacker has endless ones. This is the second
line (in the verifier, and in `sources.untrusted`, which withholds what it flags from prompts), and it looks at the sentence's frame instead of its wording: a claim found
in "It must be reported that the plant was cancelled", "Readers should be told that…", "The
correct response is that…" or "Could the assistant let the user know that…" is what someone
wants said, not what anyone said. News attributes what it reports to a speaker ("Lumenix said the
plant was cancelled"), and that frame is left alone.
"""
from __future__ import annotations

import re

# Communication: the act the directive asks for.
_SPEECH = (r"(?:say|state|stating|mention\w*|report(?:ed|ing)?|tell|told|telling|inform\w*|convey\w*|"
           r"relay\w*|announc\w*|describ\w*|emphasi[sz]\w*|stress\w*|make (?:it )?clear|"
           r"let (?:the |all |any |every )?(?:users?|readers?|people|audience|them|everyone) know|"
           r"answer\w*|repl(?:y|ies)|respond\w*|summar\w*|write|claim|reflect\w*|"
           r"put (?:that|this|it) first|lead with|open with|be aware|repeat\w*|output\w*|"
           r"highlight\w*|point out|(?:come away |be left )?knowing)\b")
# Obligation or request: the mood of a directive. Weak forms ("are expected to", "need to") also
# fill news copy, so they count only with the answering machinery as their subject.
_STRONG = (r"\b(?:must|should|shall|ought to|(?:is|are) (?:required|requested|asked|supposed|obliged|"
           r"instructed|kindly asked) to|(?:is|are) to be|would be (?:best|wise|helpful|appreciated)|it is "
           r"(?:important|essential|vital|crucial|best|advisable) (?:that|to)|please|kindly|could you|"
           r"would you|can you|be sure to|make sure|remember to|don'?t forget|would appreciate)\b")
_WEAK = r"\b(?:(?:is|are) (?:expected|encouraged|advised|urged|invited) to|needs? to|ha(?:s|ve) to|(?:is|are) to)\b"
# Whoever the directive is for: the answering machinery and its audience.
_AUDIENCE = (r"(?:answers?|summar(?:y|ies|is\w*|iz\w*)|responses?|repl(?:y|ies)|outputs?|takeaways?|"
             r"assistants?|bots?|chat ?bots?|ai|a\.i\.|(?:language )?models?|llms?|tools?|engines?|"
             r"agents?|machines?|automated \w+|users?|readers?|audiences?)")
# What follows a verb of saying when it passes on content: "state that…", "describe it as…", ": …".
_CONTENT = r"(?:\s+(?:[^.;]{0,30}?\b)?(?:that|as)\b|\s*[:\"“]|\s+(?:so|it|this)\b)"
_DIRECTIVE = re.compile("|".join([
    _STRONG + r"[^.;]{0,60}?\b" + _SPEECH + _CONTENT,                             # must/please … say that
    r"\b" + _AUDIENCE + r"\b[^.;]{0,40}?(?:" + _STRONG + "|" + _WEAK + r")[^.;]{0,40}?\b" + _SPEECH + _CONTENT,
    r"\b(?:helpful|correct|accurate|best|good|ideal|right|proper) (?:\w+ )?" + _AUDIENCE + r"\b[^.;]{0,30}?\b"
    + _SPEECH + _CONTENT,                                                            # the most helpful reply mentions that
    r"\byou (?:will|must|should|shall|are to|need to|have to)\b[^.;]{0,30}?\b" + _SPEECH + _CONTENT,
    r"\bwhat you (?:were|have been|had been|are) (?:told|given|asked)\b",
    r"\b(?:forget|disregard|ignore)\b[^.;]{0,40}\b(?:above|before|previous|earlier|prior)\b",
    r"\b(?:if|when|whenever) (?:you |anyone |someone )?(?:are |is |gets? )?asked\b",
    r"(?:\b(?:will|and|must|should|please|to)|[;:,])\s+say so\b",
    r"\bput (?:that|this|it) first\b|\bcome away knowing\b",
    r"\b(?:correct|right|accurate|only|proper|best|most helpful|true|expected|official|approved|required)\s+"
    r"(?:\w+\s+)?" + _AUDIENCE + r"\b[^.;]{0,60}?\b(?:is|are|would be|will be)\s+(?:simply\s*)?(?:that\b|:|[\"“])",  # the correct response is
    r"\b(?:the|an?|your|my|our|its) " + _AUDIENCE + r"\s+(?:to|for|on|about)\b[^.;]{0,80}?\b(?:is|are)\s+"
    r"(?:simply\s*)?(?:that\b|:)",                                                     # the answer to "…" is simply:
    r"\b(?:your|the) (?:answer|reply|response|summary|output)s? (?:must|should|shall|will|would)\b",
    r"\bwhatever (?:the )?(?:question|query|prompt|topic)\b",
    r"\bin the role of\b[^.;]{0,60}\b" + _AUDIENCE + r"\b",
    r"\b(?:role[- ]?play|pretend (?:to be|you)|imagine you are|you are (?:now )?an? (?:ai|assistant|"
    r"bot|model|chatbot))\b",
    r"^\W*+[^.:;!?]{0,40}\b(?:for|to|dear|attention|hey|hello)\s+(?:all\s+|any\s+)?(?:automated\s+|machine\s+|ai\s+)?"
    + _AUDIENCE + r"\b[^.:;!?]{0,20}:",
    r"^\W*+(?:dear|attention|hey|hello)\s+(?:all\s+|any\s+)?" + _AUDIENCE + r"\b[^.:;!?]{0,20},",                                          # "Note for automated readers:"
    r"\b" + _AUDIENCE + r"\s+(?:reading|summari[sz]ing|quoting|processing|relaying|citing|using|"
    r"derived from|drawn from|based on|generated from|built on)\s+(?:this|these|the)\b",
    r"(?:^|(?<=[.!?])\s|<!--)\W*+(?:please,?\s+)?(?:say|tell|state|report|write|claim|answer|reply|respond|mention|convey|relay|inform|"
    r"announce|emphasi[sz]e|stress|describe|explain)\s+(?:that|the|only|so|to|this|it|readers?|users?|people|"
    r"everyone|them)\b|(?:^|(?<=[.!?])\s|<!--)\W*+(?:please,?\s+)?(?:say|tell|state|report|write|claim|answer|reply|respond|mention)\s*:",
    r"[:>]\s*(?:please,?\s+)?(?:say|tell|state|report|write|claim|answer|reply|respond|mention|convey|relay|"
    r"announce)\b",                                                                  # "OVERRIDE: state that"
    r"\b(?:and|then|so)\s+(?:say|state|report|answer|reply|respond|tell \w+|write|convey|relay)\s+"
    r"(?:that|so|only|accordingly)\b|\b(?:and|then)\s+(?:say|state|convey|relay)\s+the\b",                                           # "… and say the plant …"
    r"\b(?:answer|reply|respond) accordingly\b",
    r"[\"']?\b[a-z]+_[a-z_]+[\"']?\s*[:=]",                                           # key_name: value (config)
    # Requests in other languages: please / one must / note to.
    r"\b(?:s'il vous pla[iî]t|veuillez|merci de|il faut|pri[eè]re de|por favor|favor de|bitte|per favore|"
    r"lütfen|tolong|mohon|sn[aä]lla|pros[ií]m|prosimy|proszę|graag|gelieve|vermeld|informe|indiquez|"
    r"pr[eé]cise[rz]|devono|deve|debe[ns]?|deben|sollten|soll|müssen|należy|harus)\b",
    r"\b(?:dites|dis|di|diga|dile|sage|sag|sagen sie|rispondi|scrivi|antworte|responde|responda|r[eé]pondez|"
    r"écrivez|escribe|escreva)\b,? (?:que|dass|che)\b|скажи|ответь|напиши|回答说|告诉|请说",
    r"\b(?:respuesta|r[eé]ponse|risposta|resposta|antwort|antwoord|odpowied\w*) (?:correcta|correcte|corretta|"
    r"correta|richtige|juiste|poprawna)\b",
    r"\b(?:nota|note|hinweis|let op|uwaga|aviso|avviso|not)\s+(?:para|pour|aux?|für|dla|per|voor)\b",
]), re.IGNORECASE | re.MULTILINE)
# A speaker the sentence attributes its content to: then it reports, whatever its words.
_ATTRIBUTED = re.compile(r"\b(?:said|says|(?<!be )(?<!being )(?<!been )(?<!were )(?<!was )told|tells|added|warned|wrote|argued|"
                         r"insisted|explained|according to|announced|confirmed|claimed|stated|urged|called for|"
                         r"(?<!be )(?<!being )(?<!been )(?<!is )(?<!are )(?<!get )(?<!gets )asked|believes|believed|"
                         r"(?:they|we|i|he|she|analysts|officials|experts|critics|campaigners|tories|ministers|"
                         r"sources|police|researchers|economists|unions) say)\b",
                         re.IGNORECASE)
MAX_SENTENCE = 2000  # characters; longer "sentences" are blobs, withheld unread everywhere
_QUOTED = re.compile(r"[\"“][^\"”]{3,}[\"”]")


def directs_speech(sentence: str) -> bool:
    """Whether the sentence tells someone (a reader, an answer, a model) what to say or believe,
    rather than reporting what a named speaker said. Quoted speech is the speaker's, so it counts
    only when nobody is named as saying it."""
    if len(sentence) > MAX_SENTENCE:  # a blob, not a sentence: it supports nothing (and is never scanned)
        return True
    bare = _QUOTED.sub(" ", sentence) if _ATTRIBUTED.search(sentence) else sentence
    return bool(_DIRECTIVE.search(bare)) and not _ATTRIBUTED.search(bare)
