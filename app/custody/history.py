"""The custody log as people read it: events with their places and people joined (item pages, the
auditor's log, the API's item history all read this one query)."""
from peewee import JOIN

from .models import Event, Item, Location, Person, Reader, User


def events(*, with_item: bool = True, with_login: bool = False):
    """Events newest first, each with src_loc, dst_loc, actor_person, holder_person (and item; account and
    reader_dev with_login) joined; narrow it with .where()."""
    src, dst = Location.alias(), Location.alias()
    actor, holder = Person.alias(), Person.alias()
    columns = [Event, src, dst, actor, holder] + ([Item] if with_item else []) + ([User, Reader] if with_login else [])
    query = Event.select(*columns)
    if with_item:
        query = query.join(Item, on=(Event.item == Item.id)).switch(Event)
    query = (query.join(src, JOIN.LEFT_OUTER, on=(Event.src == src.id), attr="src_loc")
             .switch(Event).join(dst, JOIN.LEFT_OUTER, on=(Event.dst == dst.id), attr="dst_loc")
             .switch(Event).join(actor, JOIN.LEFT_OUTER, on=(Event.actor == actor.id), attr="actor_person")
             .switch(Event).join(holder, JOIN.LEFT_OUTER, on=(Event.holder == holder.id), attr="holder_person"))
    if with_login:
        query = (query.switch(Event).join(User, JOIN.LEFT_OUTER, on=(Event.user == User.id), attr="account")
                 .switch(Event).join(Reader, JOIN.LEFT_OUTER, on=(Event.reader == Reader.id), attr="reader_dev"))
    return query.order_by(Event.id.desc())
